#!/usr/bin/env python3
"""Writes a compact copy of a guest ELF for the fuzz seed corpus: the ELF header,
the program headers and each segment's file bytes packed at 16-byte alignment, no
section headers. The vmsim loader accepts it as it accepts the original, but the
file is a few KiB instead of 64 KiB of alignment padding.
   tests/fuzz/compact_elf.py build/workloads/tests/hello.elf tests/fuzz/corpus/elf_loader/hello.elf"""
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
ehdr = bytearray(data[:52])
phoff, = struct.unpack_from("<I", data, 28)
phentsize, phnum = struct.unpack_from("<HH", data, 42)
out = bytearray(ehdr)
struct.pack_into("<I", out, 28, 52)          # e_phoff: right after the header
struct.pack_into("<I", out, 32, 0)           # e_shoff: no section headers
struct.pack_into("<HHH", out, 46, 0, 0, 0)   # e_shentsize, e_shnum, e_shstrndx
phdrs = [bytearray(data[phoff + i * phentsize:phoff + (i + 1) * phentsize]) for i in range(phnum)]
body = bytearray()
offset = 52 + phnum * phentsize
for ph in phdrs:
    p_offset, = struct.unpack_from("<I", ph, 4)
    p_filesz, = struct.unpack_from("<I", ph, 16)
    offset = (offset + 15) & ~15
    pad = offset - (52 + phnum * phentsize) - len(body)
    body += b"\0" * pad
    struct.pack_into("<I", ph, 4, offset if p_filesz else 0)
    struct.pack_into("<I", ph, 28, 16)      # p_align
    body += data[p_offset:p_offset + p_filesz]
    offset += p_filesz
for ph in phdrs:
    out += ph
out += body
open(dst, "wb").write(out)

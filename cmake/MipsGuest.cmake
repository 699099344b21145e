function(add_mips_guest NAME)
endfunction()

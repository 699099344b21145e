#include "sim/experiment/table.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "sim/common/errors.hpp"
#include "sim/stats/atomic_file.hpp"

namespace vmsim::experiment {
namespace {

std::string csv_cell(const std::string& cell) {
    if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
    std::string out = "\"";
    for (char c : cell) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// A Markdown table cell: '|' would end it.
std::string md_cell(const std::string& cell) {
    std::string out;
    for (char c : cell) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

std::string md_row(const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const auto& c : cells) out += " " + md_cell(c) + " |";
    return out + "\n";
}

}  // namespace

void Document::csv_comment(std::string_view text) { csv_ += fmt::format("# {}\n", text); }

void Document::csv_row(const std::vector<std::string>& cells) {
    std::string sep;
    for (const auto& c : cells) {
        csv_ += sep + csv_cell(c);
        sep = ",";
    }
    csv_ += "\n";
}

std::string& Document::block() {
    if (!md_.empty()) md_ += "\n";
    return md_;
}

void Document::heading(int level, std::string_view text) {
    block() += fmt::format("{} {}\n", std::string(static_cast<size_t>(level), '#'), text);
}

void Document::paragraph(std::string_view text) { block() += fmt::format("{}\n", text); }

void Document::table(const Table& t) {
    std::string& out = block();
    out += md_row(t.header);
    out += "|";
    for (size_t i = 0; i < t.header.size(); ++i) out += i == 0 ? "---|" : "---:|";
    out += "\n";
    for (const auto& r : t.rows) out += md_row(r);
}

std::pair<std::string, std::string> Document::write(const std::string& dir, const std::string& stem) const {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw UserError(kExitCantCreate, fmt::format("cannot create {}: {}", dir, ec.message()));
    const std::string csv_path = dir + "/" + stem + ".csv", md_path = dir + "/" + stem + ".md";
    stats::write_file_atomically(csv_path, csv_);
    stats::write_file_atomically(md_path, md_);
    return {csv_path, md_path};
}

std::string fixed_or_na(std::optional<double> value, int decimals) {
    return value ? fmt::format("{:.{}f}", *value, decimals) : std::string("n/a");
}

}  // namespace vmsim::experiment

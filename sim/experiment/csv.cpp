#include "sim/experiment/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"

namespace vmsim::experiment {

size_t CsvTable::column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it != header.end()) return static_cast<size_t>(it - header.begin());
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "" : " ") + h;
    throw UserError(kExitUsage, fmt::format("{}: no column {} (columns: {})", path, vmsim::quoted(name), names));
}

CsvTable read_csv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UserError(kExitNoInput, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    std::ostringstream all;
    all << in.rdbuf();
    const std::string text = all.str();

    CsvTable t;
    t.path = path;
    size_t pos = 0;
    int line = 1;
    while (pos < text.size()) {
        const int first_line = line;
        if (text[pos] == '#' || text[pos] == '\n' || text[pos] == '\r') {  // a comment or blank line
            const size_t end = text.find('\n', pos);
            pos = end == std::string::npos ? text.size() : end + 1;
            ++line;
            continue;
        }
        std::vector<std::string> record(1);
        for (bool quoted = false, done = false; !done && pos < text.size(); ++pos) {
            const char c = text[pos];
            if (quoted) {
                if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') record.back() += text[pos++];
                else if (c == '"') quoted = false;
                else record.back() += c;
                line += c == '\n';
            } else if (c == '"' && record.back().empty()) {
                quoted = true;
            } else if (c == ',') {
                record.emplace_back();
            } else if (c == '\n') {
                ++line;
                done = true;
            } else if (c != '\r') {
                record.back() += c;
            }
        }
        if (t.header.empty()) {
            t.header = std::move(record);
            t.header_line = first_line;
        } else if (record.size() != t.header.size()) {
            throw UserError(kExitDataErr, fmt::format("{}:{}: expected {} cells as in the header, got {}", path,
                                                      first_line, t.header.size(), record.size()));
        } else {
            t.rows.push_back(std::move(record));
            t.row_lines.push_back(first_line);
        }
    }
    if (t.header.empty()) throw UserError(kExitDataErr, path + ": no header line");
    return t;
}

std::optional<double> csv_number(const std::string& cell) {
    if (cell.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace vmsim::experiment

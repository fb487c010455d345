#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/sections.hpp"

namespace reglament::config {

namespace {

// The whole file without the trailing newline an editor or `echo` leaves.
std::optional<std::string> read_whole_file(const std::filesystem::path& path, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    std::string text = content.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

}  // namespace

std::optional<Secret> read_secret(TableReader& reader, std::string_view name,
                                  const SecretSources& sources, bool required) {
    const std::string file_key = std::string(name) + "_file";
    const auto* inline_node = reader.node(name);
    const auto inline_value = reader.string(name);
    const auto file_value = reader.string(file_key);
    if (inline_node != nullptr && file_value) {
        reader.report().error(inline_node->source(), "give either " + reader.path(name) + " or " +
                                                         reader.path(file_key) + ", not both");
        return std::nullopt;
    }
    if (inline_value) {
        if (inline_value->empty()) {
            reader.report().error(inline_node->source(), reader.path(name) + " is empty");
            return std::nullopt;
        }
        if (sources.file_readable_by_others) {
            reader.report().warning(
                inline_node->source(),
                reader.path(name) + " is written inline in a file that group or others can " +
                    "read; chmod 600 the file, or move the secret to " + file_key +
                    " or $CREDENTIALS_DIRECTORY/" + std::string(name));
        }
        return Secret(*inline_value);
    }
    if (inline_node != nullptr) return std::nullopt;  // wrong type, already reported
    if (file_value) {
        const auto* where = reader.node(file_key);
        std::string why;
        auto text = read_whole_file(*file_value, why);
        if (!text) {
            reader.report().error(where->source(), "cannot read " + reader.path(file_key) + " '" +
                                                       *file_value + "': " + why);
            return std::nullopt;
        }
        if (text->empty()) {
            reader.report().error(where->source(),
                                  reader.path(file_key) + " '" + *file_value + "' is empty");
            return std::nullopt;
        }
        // Every user of the machine can read it: a warning, since the daemon still works (the
        // secret is as safe as the machine's other users). Group access is how systemd setups
        // share a file with the daemon's group, so only "others" counts here.
        struct stat info {};
        if (::stat(file_value->c_str(), &info) == 0 && (info.st_mode & S_IROTH) != 0) {
            reader.report().warning(where->source(), reader.path(file_key) + " '" + *file_value +
                                                         "' can be read by every user of the " +
                                                         "machine; chmod o-r it (or 600)");
        }
        return Secret(std::move(*text));
    }
    if (reader.node(file_key) != nullptr) return std::nullopt;  // wrong type, already reported
    if (sources.credentials_directory) {
        const auto path = *sources.credentials_directory / std::string(name);
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) {
            std::string why;
            auto text = read_whole_file(path, why);
            if (text && !text->empty()) return Secret(std::move(*text));
            reader.report().error(reader.where(), "cannot use credential '" + path.string() +
                                                      "' for " + reader.path(name) + ": " +
                                                      (text ? "it is empty" : why));
            return std::nullopt;
        }
    }
    if (required) {
        reader.report().error(
            reader.where(), reader.path(name) + " is missing: give it inline, as " + file_key +
                                " = \"/path\", or in $CREDENTIALS_DIRECTORY/" + std::string(name));
    }
    return std::nullopt;
}

}  // namespace reglament::config

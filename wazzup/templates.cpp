#include "wazzup/templates.hpp"

namespace reglament::wazzup {

Expected<std::string> fill_placeholders(std::string_view text, const TemplateValues& values) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
            out.push_back('{');
            ++i;
        } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
            out.push_back('}');
            ++i;
        } else if (c == '{') {
            auto close = text.find('}', i + 1);
            if (close == std::string_view::npos) {
                return Expected<std::string>::fail("unclosed '{' in \"" +
                                                   std::string(text.substr(i, 30)) + "\"");
            }
            std::string_view name = text.substr(i + 1, close - i - 1);
            auto it = values.find(name);
            if (it == values.end()) {
                return Expected<std::string>::fail("no value for placeholder {" +
                                                   std::string(name) + "}");
            }
            out += it->second;
            i = close;
        } else {
            out.push_back(c);
        }
    }
    return Expected<std::string>::ok(std::move(out));
}

Expected<RenderedMessage> render(const TemplateSpec& spec, const TemplateValues& values) {
    RenderedMessage message;
    if (const auto* text = std::get_if<TextTemplate>(&spec)) {
        if (text->text.empty()) {
            message.skip = true;
            return Expected<RenderedMessage>::ok(std::move(message));
        }
        auto filled = fill_placeholders(text->text, values);
        if (!filled) return Expected<RenderedMessage>::fail(filled.error());
        message.text = std::move(filled).value();
        return Expected<RenderedMessage>::ok(std::move(message));
    }
    const auto& waba = std::get<WabaTemplate>(spec);
    if (waba.template_id.empty()) {
        return Expected<RenderedMessage>::fail("WABA template without a template id");
    }
    message.template_id = waba.template_id;
    for (std::size_t i = 0; i < waba.values.size(); ++i) {
        auto filled = fill_placeholders(waba.values[i], values);
        if (!filled) {
            return Expected<RenderedMessage>::fail("template value " + std::to_string(i + 1) +
                                                   ": " + filled.error());
        }
        if (filled->empty()) {
            return Expected<RenderedMessage>::fail("template value " + std::to_string(i + 1) +
                                                   " is empty (Meta rejects empty variables)");
        }
        message.template_values.push_back(std::move(filled).value());
    }
    return Expected<RenderedMessage>::ok(std::move(message));
}

}  // namespace reglament::wazzup

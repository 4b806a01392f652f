// The rules that work a playbook: due times, the `next` rule chosen, form input checks.
#include "playbooks/src/rules.h"

#include <algorithm>

#include "daemon/common/time_util.h"

namespace vigil::playbooks {

using nlohmann::json;

std::optional<TimeMs> DueOf(const DueRule& rule, const AnchorTimes& anchors,
                            const WorkCalendar& calendar) {
  const auto it = anchors.find(rule.anchor);
  if (it == anchors.end()) return std::nullopt;
  return Due(it->second, rule.after, rule.working_days, calendar);
}

const NextRule* ChooseNext(const std::vector<NextRule>& rules, const json& input) {
  const NextRule* fallback = nullptr;
  for (const auto& r : rules) {
    if (!r.conditional()) {
      fallback = &r;
      continue;
    }
    const auto it = input.find(r.field);
    if (it == input.end() || it->is_null()) {  // a missing value never equals, always differs
      if (r.op == "!=") return &r;
      continue;
    }
    const std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if ((value == r.value) == (r.op != "!=")) return &r;
  }
  return fallback;
}

namespace {

constexpr size_t kMaxText = 10'000;

FormProblem Problem(const char* code, const std::string& field, std::string message) {
  return {code, "input." + field, std::move(message)};
}

// The problem of a key of the input that no field of the form has.
FormProblem UnknownField(const std::vector<FormField>& fields, const std::string& key, Lang l) {
  std::string names;
  for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f.id;
  std::string why = names.empty() ? Tr(l, " (bước này không nhận dữ liệu)", " (it takes no input)")
                                  : Tr(l, " (các trường: ", " (fields: ") + names + ")";
  return Problem(
      "unknown_field", key,
      Tr(l, "biểu mẫu của bước này không có trường \"", "this step's form has no field \"") + key +
          "\"" + why);
}

// What is wrong with the present, non-empty value `v` of field `f` ("<id> must …"), or "".
std::string ValueProblem(const FormField& f, const json& v, Lang l) {
  if (f.type == FieldType::kNumber) {
    return v.is_number() ? "" : f.id + Tr(l, " phải là một số", " must be a number");
  }
  if (f.type == FieldType::kBool) {
    return v.is_boolean() ? "" : f.id + Tr(l, " phải là true hoặc false", " must be true or false");
  }
  if (!v.is_string()) return f.id + Tr(l, " phải là một chuỗi", " must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (f.type == FieldType::kDatetime && !ParseTimestamp(s)) {
    return f.id + Tr(l, " phải là thời điểm RFC 3339", " must be an RFC 3339 date-time");
  }
  if (f.type == FieldType::kChoice &&
      std::ranges::none_of(f.choices, [&](const Choice& c) { return c.value == s; })) {
    std::string offered;
    for (const auto& c : f.choices) offered += (offered.empty() ? "" : ", ") + c.value;
    return f.id + Tr(l, " phải là một trong: ", " must be one of: ") + offered;
  }
  if (f.type == FieldType::kText && s.size() > kMaxText) {
    return f.id + Tr(l, " dài quá 10000 byte", " is longer than 10000 bytes");
  }
  return "";
}

}  // namespace

std::vector<FormProblem> FormProblems(const std::vector<FormField>& fields, const json& input,
                                      Lang l) {
  if (!input.is_object()) {
    return {{"invalid_field", "input",
             Tr(l, "input phải là một đối tượng JSON", "input must be a JSON object")}};
  }
  std::vector<FormProblem> out;
  for (const auto& [key, value] : input.items()) {
    if (std::ranges::none_of(fields, [&](const FormField& f) { return f.id == key; })) {
      out.push_back(UnknownField(fields, key, l));
    }
  }
  for (const auto& f : fields) {
    const auto it = input.find(f.id);
    if (it == input.end() || it->is_null() ||
        (it->is_string() && it->get_ref<const std::string&>().empty())) {
      if (f.required) {
        out.push_back(
            Problem("missing_field", f.id,
                    f.id + Tr(l, " là bắt buộc ở bước này", " is required by this step")));
      }
    } else if (std::string p = ValueProblem(f, *it, l); !p.empty()) {
      out.push_back(Problem("invalid_field", f.id, std::move(p)));
    }
  }
  return out;
}

}  // namespace vigil::playbooks

// One factory per regulation; each parses its [rules.<ID>] parameters (registry.cpp maps ids).
#pragma once

#include <memory>

#include "rules/params.hpp"
#include "rules/rule.hpp"

namespace reglament::rules {

std::unique_ptr<Rule> make_l1_distribution(Params& p);
std::unique_ptr<Rule> make_l2_duplicates(Params& p);
std::unique_ptr<Rule> make_l3_data_check(Params& p);
std::unique_ptr<Rule> make_l4_take_in_sla(Params& p);
std::unique_ptr<Rule> make_l5_missed_first_call(Params& p);
std::unique_ptr<Rule> make_c1_no_meeting(Params& p);
std::unique_ptr<Rule> make_c2_no_show(Params& p);
std::unique_ptr<Rule> make_h1_next_step(Params& p);
std::unique_ptr<Rule> make_h2_overdue(Params& p);
std::unique_ptr<Rule> make_h3_no_postponing(Params& p);
std::unique_ptr<Rule> make_h4_result_comment(Params& p);
std::unique_ptr<Rule> make_h5_chat_answer(Params& p);
std::unique_ptr<Rule> make_h6_missed_call(Params& p);
std::unique_ptr<Rule> make_h7_incubator(Params& p);

}  // namespace reglament::rules

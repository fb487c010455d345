// The seeds' wording and the example portal's codes as the default of every D*/R* parameter.
// Decision code holds no Russian literal: it reads these through ParamReader, and the example
// config repeats them. Stage ids are examples ("UC_*" is how Bitrix24 names custom stages, "C1:"
// the prefix of pipeline 1); a portal maps its own, never building ids (api/bitrix24.md).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reglament::rules::deal::defaults {

// Stages of the sales pipeline (seed: deal-pipeline-measurement-stages).
inline constexpr std::string_view sales_category = "0";
inline constexpr std::string_view stage_calc = "NEW";                  // Просчёт
inline constexpr std::string_view stage_reschedule = "PREPARATION";    // Перенос
inline constexpr std::string_view stage_premeasure = "UC_PREMEASURE";  // Предзамер
inline constexpr std::string_view stage_measure = "UC_MEASURE";        // Замер
inline constexpr std::string_view stage_remeasure = "UC_REMEASURE";  // Повторный замер
inline constexpr std::string_view stage_precontract = "UC_PRECONTRACT";  // Преддоговор
inline constexpr std::string_view stage_no_sheet = "UC_NO_SHEET";  // Нет замерного листа
inline constexpr std::string_view stage_after_measure = "UC_AFTER_MEASURE";  // Создано после замера

// Pipeline "Отложенный спрос": one stage per month, January first.
inline constexpr std::string_view deferred_category = "1";
inline const std::vector<std::string> deferred_month_stages = {
    "C1:JANUARY", "C1:FEBRUARY", "C1:MARCH",     "C1:APRIL",   "C1:MAY",      "C1:JUNE",
    "C1:JULY",    "C1:AUGUST",   "C1:SEPTEMBER", "C1:OCTOBER", "C1:NOVEMBER", "C1:DECEMBER"};

// Deal fields (UF_CRM_* codes of the example portal).
inline constexpr std::string_view measure_date_field = "UF_CRM_MEASURE_DATE";
inline constexpr std::string_view video_field = "UF_CRM_VIDEO_ALLOWED";
inline constexpr std::string_view precalc_sum_field = "UF_CRM_PRECALC_SUM";
inline const std::vector<std::pair<std::string, std::string>> address_fields = {
    {"UF_CRM_ADDR_CITY", "Город"},       {"UF_CRM_ADDR_STREET", "Улица"},
    {"UF_CRM_ADDR_HOUSE", "Дом"},        {"UF_CRM_ADDR_FLAT", "Квартира"},
    {"UF_CRM_ADDR_ENTRANCE", "Подъезд"}, {"UF_CRM_ADDR_FLOOR", "Этаж"},
    {"UF_CRM_ADDR_INTERCOM", "Домофон"}};
inline constexpr std::string_view measure_date_label = "Предполагаемая дата замера";
inline constexpr std::string_view video_label = "Видеосъёмка разрешена";
inline constexpr std::string_view precalc_sum_label = "Сумма предварительного просчёта";
inline constexpr std::string_view sheets_field = "UF_CRM_MEASURE_SHEETS";
inline constexpr std::string_view contract_number_field = "UF_CRM_CONTRACT_NUMBER";
inline constexpr std::string_view contract_sum_field = "OPPORTUNITY";
inline constexpr std::string_view discount_field = "UF_CRM_DISCOUNT";
inline constexpr std::string_view client_name_field = "UF_CRM_CLIENT_NAME";
inline constexpr std::string_view refusal_reason_field = "UF_CRM_REFUSAL_REASON";
inline constexpr std::string_view refusal_moment_field = "UF_CRM_REFUSAL_MOMENT";
inline constexpr std::string_view refusal_before_value = "Отказ перед замером";
inline constexpr std::string_view refusal_after_value = "Отказ после замера";

// The example portal's stage names, for texts people read (never a bare stage id).
inline const std::vector<std::pair<std::string, std::string>> stage_names = {
    {"NEW", "Просчёт"},
    {"PREPARATION", "Перенос"},
    {"UC_PREMEASURE", "Предзамер"},
    {"UC_MEASURE", "Замер"},
    {"UC_REMEASURE", "Повторный замер"},
    {"UC_PRECONTRACT", "Преддоговор"},
    {"UC_NO_SHEET", "Нет замерного листа"},
    {"UC_AFTER_MEASURE", "Создано после замера"}};

namespace d1 {
inline constexpr std::string_view comment =
    "Стадии «Предзамер» и последующие невозвратные: вернуть сделку в «Перенос» или «Просчёт» "
    "невозможно. Стадия восстановлена.";
inline constexpr std::string_view notify_text =
    "Сделка «{deal_title}» была возвращена из невозвратной стадии в «{from}». Стадия "
    "восстановлена.";
}  // namespace d1

namespace d2 {
inline constexpr std::string_view comment =
    "Стадия выбрана по дате замера ({date}): {days} дн. от решения клиента.";
}  // namespace d2

namespace d3 {
inline constexpr std::string_view task_title = "Заполнить поля: {missing}";
inline constexpr std::string_view accounting_date_mismatch =
    "дата замера в «Учёте клиентов» не совпадает со сделкой";
inline constexpr std::string_view accounting_sum_mismatch =
    "сумма просчёта в «Учёте клиентов» не совпадает со сделкой";
inline constexpr std::string_view task_description =
    "Для стадий «Предзамер» и «Замер» обязательны: адрес замера (город, улица, дом, квартира, "
    "подъезд, этаж, домофон), предполагаемая дата замера, «Видеосъёмка разрешена», сумма "
    "предварительного просчёта. Не заполнено: {missing}.";
}  // namespace d3

namespace d4 {
inline constexpr std::string_view activity_title = "Связаться с клиентом и подтвердить дату замера";
inline constexpr std::string_view repeat_activity_title =
    "Связаться с клиентом и подтвердить дату повторного замера";
inline constexpr std::string_view description = "Дата замера: {date}.";
}  // namespace d4

namespace d5 {
inline constexpr std::string_view engineer_text =
    "Сделка «{deal_title}»: до 10:45 получите у инженера результат замера {date}.";
inline constexpr std::string_view result_text =
    "Сделка «{deal_title}»: к 11:00 стадия не отражает результат замера {date}.";
inline constexpr std::string_view no_sheet_comment =
    "К 10:15 следующего за замером дня нет ни договора, ни замерных листов: сделка переведена в "
    "стадию «Нет замерного листа».";
}  // namespace d5

namespace d6 {
inline constexpr std::string_view won_task_title = "Заполнить раздел «Договор»: {missing}";
inline constexpr std::string_view lost_task_title = "Оформить отказ по сделке: {missing}";
inline constexpr std::string_view contract_number_label = "№ договора";
inline constexpr std::string_view contract_sum_label = "Сумма договора";
inline constexpr std::string_view discount_label = "Скидка";
inline constexpr std::string_view client_name_label = "ФИО клиента";
inline constexpr std::string_view comment_missing = "закреплённый комментарий с причиной отказа";
inline constexpr std::string_view reason_missing = "поле «Причина отказа»";
inline constexpr std::string_view reason_mismatch = "«Причина отказа» не совпадает с комментарием";
inline constexpr std::string_view moment_mismatch = "«Отказ перед/после замера» не соответствует";
}  // namespace d6

namespace d7 {
inline constexpr std::string_view activity_task_title =
    "Создать дело с датой следующего контакта (более чем через 32 дня)";
inline constexpr std::string_view comment_task_title =
    "Создать закреплённый комментарий: причина переноса в отложенный спрос";
inline constexpr std::string_view back_task_title =
    "Сделка возвращена из отложенного спроса: следующий контакт {date}";
}  // namespace d7

namespace r1 {
inline constexpr std::string_view notify_text =
    "Лид «{lead_title}»: за {hours} рабочих часов с момента поступления номера не было ни "
    "одного звонка (регламент замен, п. 3).";
}  // namespace r1

namespace r2 {
inline constexpr std::string_view task_title = "Позвонить клиенту (попытка {attempt} из {total})";
inline constexpr std::string_view task_description =
    "План дозвона по регламенту замен: 3 звонка в первый день с разницей не менее часа, 1 во "
    "второй, 1 в третий. Первый звонок не позднее 6 рабочих часов.";
}  // namespace r2

namespace r3 {
inline constexpr std::string_view notify_text =
    "После звонка {when} на номер {phone} не поставлен статус или комментарий (нецелевой, "
    "недозвон, на замену с причиной).";
}  // namespace r3

namespace r4 {
inline constexpr std::string_view qualifying_field = "UF_CRM_QUALIFIED";
inline constexpr std::string_view qualifying_no = "Нет";
inline constexpr std::string_view replacement_status = "UC_REPLACEMENT";  // на замену
inline constexpr std::string_view comment = "на замену: {reason}";
inline constexpr std::string_view never_reached =
    "не дозвонились за 3 рабочих дня, попыток: {attempts}";
inline constexpr std::string_view answered_no =
    "клиент ответил отрицательно на квалифицирующие вопросы скрипта";
}  // namespace r4

namespace r5 {
inline constexpr std::string_view request_text =
    "Прошу произвести начисление {count} определений на замену.\nЛогин клиента {login}\nСкрипт - "
    "{script}";
}  // namespace r5

}  // namespace reglament::rules::deal::defaults

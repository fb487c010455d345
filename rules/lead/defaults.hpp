// The seeds' wording (seeds/new-lead-intake, ОП-15, ОП-2) as the default of every Russian
// parameter, one section per rule. Decision code never holds a Russian literal: it reads these
// through Params, and the shipped config/reglament.example.toml repeats them so an admin sees and
// edits them. Status ids are Bitrix24's standard ids or "UC_*" examples; a portal maps its own.
#pragma once

#include <string_view>

namespace reglament::rules::defaults {

namespace l2 {
inline constexpr std::string_view label_lead = "Лид";
inline constexpr std::string_view label_contact = "Контакт";
inline constexpr std::string_view label_company = "Компания";
inline constexpr std::string_view label_deal = "Сделка";
inline constexpr std::string_view comment_header = "Найдены возможные дубли:";
inline constexpr std::string_view comment_line =
    "{type} «{title}» — {url} — ответственный: {responsible}";
inline constexpr std::string_view notify_text =
    "Лид «{lead_title}»: найдены возможные дубли ({count}), список в комментарии карточки.";
}  // namespace l2

namespace l3 {
inline constexpr std::string_view reject_reason = "Некорректные данные";
inline constexpr std::string_view reject_comment =
    "Лид отправлен в отказ, причина: {reason}. Телефон: {phones}.";
inline constexpr std::string_view task_title = "Проверить корректность данных";
inline constexpr std::string_view task_description =
    "Телефон {phones} не может быть настоящим номером, других контактов нет.";
}  // namespace l3

namespace l4 {
inline constexpr std::string_view call_text =
    "Лид «{lead_title}» ждёт первого звонка {minutes} мин. Позвоните клиенту.";
inline constexpr std::string_view head_text =
    "Лид «{lead_title}» не взят в работу за {minutes} мин. Ответственный: {responsible}. "
    "Передан: {new_responsible}.";
inline constexpr std::string_view reassigned_text =
    "Вам передан лид «{lead_title}»: он не был взят в работу за {minutes} мин. Позвоните клиенту.";
}  // namespace l4

namespace l5 {
inline constexpr std::string_view template_name = "Недозвон";
inline constexpr std::string_view no_whatsapp_comment = "нет ватсапа";
}  // namespace l5

// C1 and C2 share the ОП-2 ladder's wording.
namespace cadence {
inline constexpr std::string_view call_task_title = "Позвонить клиенту";
inline constexpr std::string_view audio_template = "Аудио Михаила Николаевича";
inline constexpr std::string_view ignore_template = "Игнор";
inline constexpr std::string_view full_ignore_template = "Полный игнор";
inline constexpr std::string_view close_reason = "Нет контакта";
inline constexpr std::string_view close_comment = "Лид закрыт, причина отказа: {reason}.";
inline constexpr std::string_view no_show_call_task_title =
    "Перезвонить клиенту (неявка на встречу)";
inline constexpr std::string_view reschedule_text =
    "Лид «{lead_title}»: клиент на связи после неявки, но новая дата встречи и статус "
    "«5. Встреча назначена» не выставлены.";
}  // namespace cadence

namespace h1 {
inline constexpr std::string_view task_title = "Определить следующий шаг";
inline constexpr std::string_view task_description =
    "У лида нет открытой задачи или дела. По ОП-15 на каждый следующий шаг ставится задача.";
inline constexpr std::string_view notify_text =
    "У лида «{lead_title}» нет задачи на следующий шаг: поставлена задача «{task_title}».";
}  // namespace h1

namespace h2 {
inline constexpr std::string_view notify_text =
    "Задача «{task_title}» просрочена (срок {deadline}).";
inline constexpr std::string_view head_text =
    "Задача «{task_title}» ({responsible}) просрочена более чем на {minutes} мин (срок "
    "{deadline}).";
}  // namespace h2

namespace h3 {
inline constexpr std::string_view comment =
    "Перенос срока задачи запрещён (ОП-15): закройте задачу с результатом и поставьте новую. "
    "Срок был {old_deadline}, перенесён на {new_deadline}.";
inline constexpr std::string_view head_text =
    "Срок задачи «{task_title}» ({responsible}) перенесён с {old_deadline} на {new_deadline} "
    "(ОП-15).";
}  // namespace h3

namespace h4 {
inline constexpr std::string_view comment =
    "Задача закрыта без результата. Зафиксируйте результат в комментарии к задаче (ОП-15).";
inline constexpr std::string_view notify_text =
    "Задача «{task_title}» закрыта без комментария с результатом. Добавьте результат.";
}  // namespace h4

namespace h5 {
inline constexpr std::string_view notify_text =
    "Клиент по лиду «{lead_title}» ждёт ответа в WhatsApp больше {minutes} мин.";
inline constexpr std::string_view head_text =
    "Клиенту по лиду «{lead_title}» ({responsible}) не ответили в WhatsApp за {minutes} мин.";
}  // namespace h5

namespace h6 {
inline constexpr std::string_view task_title = "Перезвонить клиенту (пропущенный звонок)";
inline constexpr std::string_view task_description =
    "Пропущенный входящий звонок с номера +{phone}.";
}  // namespace h6

namespace h7 {
inline constexpr std::string_view comment =
    "Встречу не удалось назначить за месяц с поступления лида: лид перенесён в «Инкубатор» "
    "(ОП-15).";
inline constexpr std::string_view head_text =
    "Лид «{lead_title}» ({responsible}) перенесён в «Инкубатор»: за месяц встреча не назначена.";
}  // namespace h7

}  // namespace reglament::rules::defaults

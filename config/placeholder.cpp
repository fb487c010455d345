// Replaced as the module grows; a static library needs one source file.
namespace reglament::config { int placeholder_anchor = 0; }

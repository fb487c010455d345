// Replaced as the module grows; a static library needs one source file.
namespace reglament::rules { int placeholder_anchor = 0; }

// Replaced as the module grows; a static library needs one source file.
namespace reglament::store { int placeholder_anchor = 0; }

namespace reglament::emulator { int placeholder_anchor = 0; }

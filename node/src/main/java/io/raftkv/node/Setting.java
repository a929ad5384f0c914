package io.raftkv.node;

import java.util.Locale;

/** One setting of the node: its flag name (without dashes), default and help. */
record Setting(String name, String defaultValue, String help) {
    /** Its environment variable: {@code RAFTKV_<NAME_IN_UPPER_SNAKE>}. */
    String envVar() {
        return "RAFTKV_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}

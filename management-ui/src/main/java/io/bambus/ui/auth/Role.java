package io.bambus.ui.auth;

import java.util.Locale;

/** What a user may do: a viewer reads everything, an operator also changes sessions and failed events. */
public enum Role {
    VIEWER, OPERATOR;

    public static Role parse(String text) {
        if (text == null) {
            return null;
        }
        for (Role role : values()) {
            if (role.name().equals(text.toUpperCase(Locale.ROOT))) {
                return role;
            }
        }
        return null;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

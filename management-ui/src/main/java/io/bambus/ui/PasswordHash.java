package io.bambus.ui;

import io.bambus.ui.auth.Users;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Prints the bcrypt hash of a password read from the terminal (or one line of stdin), for the UI's users. */
public final class PasswordHash {

    private PasswordHash() {
    }

    public static void main(String[] args) throws IOException {
        Console console = System.console();
        char[] password;
        if (console != null) {
            password = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (!java.util.Arrays.equals(password, again)) {
                System.err.println("the two passwords differ; nothing printed");
                System.exit(1);
            }
        } else {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password.length < 8) {
            System.err.println("a password needs at least 8 characters; nothing printed");
            System.exit(1);
        }
        System.out.println(Users.hash(password));
    }
}

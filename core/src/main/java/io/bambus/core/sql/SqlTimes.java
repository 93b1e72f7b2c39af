package io.bambus.core.sql;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Binds UTC date-times as text. Connector/J drops microseconds when it believes the server is
 * older than MySQL 5.6.4, which it does for MariaDB 10.x (it announces itself as "5.5.5-10.x");
 * the server parses text into DATETIME(6) with every digit kept.
 */
public final class SqlTimes {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private SqlTimes() {
    }

    public static void bind(PreparedStatement statement, int index, LocalDateTime utc) throws SQLException {
        if (utc == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setString(index, FORMAT.format(utc));
        }
    }

    /** Reads a DATETIME column as text, so no digit is lost on the way either. */
    public static LocalDateTime read(ResultSet rows, int index) throws SQLException {
        String text = rows.getString(index);
        return text == null ? null : LocalDateTime.parse(text.replace(' ', 'T'));
    }
}

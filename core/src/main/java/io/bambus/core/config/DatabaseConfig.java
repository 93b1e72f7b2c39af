package io.bambus.core.config;

/** Where a database is and how to reach it. The password never appears in {@link #toString()}. */
public record DatabaseConfig(String jdbcUrl, String username, String password, int poolSize, int connectTimeoutMillis,
                             int socketTimeoutMillis) {

    @Override
    public String toString() {
        return "DatabaseConfig[jdbcUrl=" + jdbcUrl + ", username=" + username + ", password=****, poolSize=" + poolSize + "]";
    }
}

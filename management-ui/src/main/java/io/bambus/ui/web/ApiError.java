package io.bambus.ui.web;

/** A request the API refuses: its HTTP status and a message that names the problem and the fix. */
public final class ApiError extends RuntimeException {

    private final int status;

    public ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}

package io.bambus.core.activity;

/**
 * A redeployment that would drop, rename or retype an item of a deployed activity, and so lose or
 * reinterpret data already in its tables. Only additions deploy over a deployed activity.
 */
public class DefinitionChangeRefusedException extends RuntimeException {

    public DefinitionChangeRefusedException(String message) {
        super(message);
    }
}

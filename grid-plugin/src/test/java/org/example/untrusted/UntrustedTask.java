package org.example.untrusted;

import com.hazelcast.map.EntryProcessor;
import java.io.Serializable;
import java.util.Map;

/**
 * Stands for an attacker's gadget: a Serializable class that is on the member's class path but outside
 * the bus's allowlist (its package is not io.bambus.core or io.bambus.grid, hence this odd home). If a
 * member deserializes it, it runs: as an entry processor it overwrites the entry.
 */
public final class UntrustedTask implements EntryProcessor<Object, Object, String>, Serializable {

    @Override
    public String process(Map.Entry<Object, Object> entry) {
        entry.setValue("overwritten by an untrusted class");
        return "executed";
    }
}

package io.bambus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusWarningsTest {

    private static Map<String, Object> member(String address, List<String> sources, String configError) {
        Map<String, Object> row = new HashMap<>();
        row.put("address", address);
        row.put("sources", sources);
        row.put("configError", configError);
        return row;
    }

    @Test
    void membersWithTheSameSourcesInAnyOrderGiveNoWarning() {
        assertEquals(List.of(), StatusCommand.warnings(List.of(member("a:1", List.of("shop", "crm"), null),
                member("b:1", List.of("crm", "shop"), null), member("c:1", null, null))));
    }

    @Test
    void driftAndARefusedFileAreNamedWithTheirMembers() {
        List<String> warnings = StatusCommand.warnings(List.of(member("a:1", List.of("shop", "crm"), null),
                member("b:1", List.of("shop"), "invalid bus configuration /etc/bus.yaml:\n  bogus: unknown key; allowed here: […]")));
        assertEquals(List.of("b:1 refused its edited configuration file and runs with the one before: bogus: unknown key;"
                + " allowed here: […]", "members run with different sources {[crm, shop]=[a:1], [shop]=[b:1]}; give every member"
                + " the same configuration file"), warnings);
    }
}

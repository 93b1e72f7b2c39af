package io.bambus.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.config.AlertRule;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.ConfigException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertRulesTest {

    private static final List<ActivityDefinition> DEFINITIONS = DefinitionFile.parse("definitions.yaml", """
            activities:
              - name: Order
                items:
                  - { name: Customer, type: text, length: 40 }
                  - { name: Placed, type: milestone }
                  - { name: Paid, type: milestone }
                  - { name: PayBy, type: timestamp }
              - name: Ticket
                items:
                  - { name: End, type: milestone }
            """);

    private static AlertRule rule(String name, String activity, String milestone, String without) {
        return new AlertRule(name, activity, milestone, without, Duration.ofMinutes(30));
    }

    @Test
    void rulesOnDefinedMilestonesPassInAnyCase() {
        List<AlertRule> rules = List.of(rule("a", "order", "placed", "PAID"), rule("b", "Order", null, null),
                rule("c", "Order", "PayBy", "Paid"));
        assertEquals(List.of(), AlertRules.problems(rules, DEFINITIONS, "definitions.yaml"));
    }

    @Test
    void unknownActivitiesAndItemsNameTheRuleKeyAndFix() {
        BusConfig.Alerts alerts = new BusConfig.Alerts(Duration.ofSeconds(30), Duration.ZERO, null, List.of(
                rule("typo", "Ordr", "Placed", "Paid"), rule("missing", "Order", "Placd", null),
                rule("not-a-time", "Order", "Placed", "Customer"), rule("end-item", "Ticket", null, null)));
        ConfigException e = assertThrows(ConfigException.class, () -> AlertRules.check("bus.yaml", alerts, DEFINITIONS,
                "definitions.yaml"));
        String p = String.join("\n", e.problems());
        assertTrue(p.contains("alerts.rules[typo].activity: no activity 'Ordr' in definitions.yaml; the activities are [Order,"
                + " Ticket]; fix the name, or add the activity to the definitions file"), p);
        assertTrue(p.contains("alerts.rules[missing].milestone: activity Order has no item 'Placd'; its milestones are [Placed,"
                + " Paid, PayBy]; fix the name, or add { name: Placd, type: milestone } to Order in definitions.yaml"), p);
        assertTrue(p.contains("alerts.rules[not-a-time].without: item 'Customer' of activity Order is text(40), not a milestone;"
                + " name one of its milestones [Placed, Paid, PayBy]; or give End (the instance completes)"), p);
        assertTrue(p.contains("alerts.rules[end-item].without: End means the instance completes, but activity Ticket also has an"
                + " item 'End'"), p);
        assertTrue(e.getMessage().startsWith("invalid bus configuration bus.yaml"), e.getMessage());
    }
}

package io.bambus.core.alert;

import io.bambus.core.config.AlertRule;
import io.bambus.core.activity.ActivityDefinition;
import io.bambus.core.activity.ItemDefinition;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.ConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks alert rules against the activity definitions: the activity exists, and the rule's start
 * and expected milestones are milestone (or timestamp) items of it. Run wherever a bus file is
 * accepted (member start, reload), so a rule that names nothing fails before any member runs it.
 */
public final class AlertRules {

    private AlertRules() {
    }

    /** Throws a {@link ConfigException} for {@code origin} listing every rule's problems, or returns quietly. */
    public static void check(String origin, BusConfig.Alerts alerts, List<ActivityDefinition> definitions,
                             String definitionsFile) {
        List<String> problems = problems(alerts.rules(), definitions, definitionsFile);
        if (!problems.isEmpty()) {
            throw new ConfigException(origin, problems);
        }
    }

    public static List<String> problems(List<AlertRule> rules, List<ActivityDefinition> definitions, String definitionsFile) {
        List<String> problems = new ArrayList<>();
        for (AlertRule rule : rules) {
            String key = "alerts.rules[" + rule.name() + "]";
            ActivityDefinition activity = find(definitions, rule.activity());
            if (activity == null) {
                problems.add(key + ".activity: no activity '" + rule.activity() + "' in " + definitionsFile + "; the activities are "
                        + definitions.stream().map(ActivityDefinition::name).toList() + "; fix the name, or add the activity to"
                        + " the definitions file");
                continue;
            }
            if (!rule.fromBegin()) {
                String problem = milestoneProblem(activity, rule.milestone(), definitionsFile);
                if (problem != null) {
                    problems.add(key + ".milestone: " + problem);
                }
            }
            if (!rule.untilEnd()) {
                String problem = milestoneProblem(activity, rule.without(), definitionsFile);
                if (problem != null) {
                    problems.add(key + ".without: " + problem + "; or give " + AlertRule.END + " (the instance completes)");
                }
            } else if (activity.item(AlertRule.END) != null) {
                problems.add(key + ".without: " + AlertRule.END + " means the instance completes, but activity " + activity.name()
                        + " also has an item '" + activity.item(AlertRule.END).name() + "', which a rule cannot wait for;"
                        + " write the rule on another milestone");
            }
        }
        return problems;
    }

    /** The definition of {@code name} (any case), or null. */
    public static ActivityDefinition find(List<ActivityDefinition> definitions, String name) {
        for (ActivityDefinition definition : definitions) {
            if (definition.name().equalsIgnoreCase(name)) {
                return definition;
            }
        }
        return null;
    }

    /** Whether a rule can count from or wait for {@code item}: a milestone or a timestamp, both DATETIME columns. */
    public static boolean usable(ItemDefinition item) {
        return item != null && item.type().holdsTime();
    }

    private static String milestoneProblem(ActivityDefinition activity, String name, String definitionsFile) {
        ItemDefinition item = activity.item(name);
        List<String> milestones = activity.items().stream().filter(AlertRules::usable).map(ItemDefinition::name).toList();
        if (item == null) {
            return "activity " + activity.name() + " has no item '" + name + "'; its milestones are " + milestones
                    + "; fix the name, or add { name: " + name + ", type: milestone } to " + activity.name() + " in "
                    + definitionsFile;
        }
        if (!usable(item)) {
            return "item '" + item.name() + "' of activity " + activity.name() + " is " + item.describe()
                    + ", not a milestone; name one of its milestones " + milestones;
        }
        return null;
    }
}

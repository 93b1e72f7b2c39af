/**
 * Stalled-activity alerts: the rules checked against the definitions, the detector that records
 * alerts in bam_alerts, the webhook sender.
 */
package io.bambus.core.alert;

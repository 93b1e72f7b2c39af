/**
 * Importing BizTalk BAM definition files (XML) as activity definitions.
 */
package io.bambus.core.biztalk;

/**
 * Activity definitions as the definition files give them: activities, their items and ItemType
 * (everything one item type does: DDL, binding, conversion, search, BizTalk mapping), indexes,
 * naming. No SQL runs here.
 */
package io.bambus.core.activity;

package dev.promptq.gateway.keys;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The promptq keys and their use, as the control topic says: the gateway's one view of who may
 * call and how much each key has used today, across every gateway instance. Thread-safe: the
 * control reader writes, request threads read.
 */
public final class KeyBook {
  /** A key's use on one day, added up over the gateway instances. */
  public record DayUse(long requests, double usd) {}

  private final Map<String, PromptqKey> keys = new ConcurrentHashMap<>();
  /** control-topic key of a usage record → the record. */
  private final Map<String, KeyUsage> usage = new ConcurrentHashMap<>();
  /** control-topic key of a usage record → the last one read, smaller or not. */
  private final Map<String, KeyUsage> lastRead = new ConcurrentHashMap<>();

  /** Applies one control record; keys that are not the gateway's are ignored, a null value deletes. */
  public void apply(String key, byte[] value) {
    if (key == null) {
      return;
    }
    if (key.startsWith(KeyRecords.KEY)) {
      String id = key.substring(KeyRecords.KEY.length());
      if (value == null) {
        keys.remove(id);
      } else {
        KeyRecords.decodeKey(value).filter(k -> k.id().equals(id)).ifPresent(k -> keys.put(id, k));
      }
    } else if (key.startsWith(KeyRecords.USAGE)) {
      if (value == null) {
        usage.remove(key);
        lastRead.remove(key);
      } else {
        // running totals only grow: an instance's own record read back must not undo what it counted since
        KeyRecords.decodeUsage(value).filter(u -> KeyRecords.keyOf(u).equals(key)).ifPresent(u -> {
          lastRead.put(key, u);
          usage.merge(key, u, (old, now) -> now.requests() >= old.requests() ? now : old);
        });
      }
    }
  }

  /** The live key {@code presented} is, or empty for a malformed, unknown, revoked or wrong key. */
  public Optional<PromptqKey> authenticate(String presented) {
    return KeySecret.parse(presented).flatMap(p -> Optional.ofNullable(keys.get(p.id()))
        .filter(PromptqKey::live).filter(k -> KeySecret.matches(p, k.sha256())));
  }

  /** Every key, live and revoked, by creation time. */
  public List<PromptqKey> keys() {
    return keys.values().stream().sorted(Comparator.comparing(PromptqKey::createdAt)).toList();
  }

  /** The key named {@code nameOrId} (a live one first), if any. */
  public Optional<PromptqKey> find(String nameOrId) {
    return keys().stream().filter(k -> k.id().equals(nameOrId) || k.name().equals(nameOrId))
        .min(Comparator.comparing(k -> k.live() ? 0 : 1));
  }

  /** {@code keyId}'s use on {@code day}, every instance's added up. */
  public DayUse use(String keyId, LocalDate day) {
    long requests = 0;
    double usd = 0;
    for (KeyUsage u : usage.values()) {
      if (u.keyId().equals(keyId) && u.day().equals(day)) {
        requests += u.requests();
        usd += u.usd();
      }
    }
    return new DayUse(requests, usd);
  }

  /** What {@code instance} has recorded for {@code keyId} on {@code day}: where it goes on counting after a restart. */
  KeyUsage own(String keyId, LocalDate day, String instance) {
    KeyUsage zero = new KeyUsage(keyId, day, instance, 0, 0);
    return usage.getOrDefault(KeyRecords.keyOf(zero), zero);
  }

  /** The last usage record read from the control topic under {@code usageKey}, or null. */
  KeyUsage lastRead(String usageKey) {
    return lastRead.get(usageKey);
  }

  void record(KeyUsage u) {
    usage.merge(KeyRecords.keyOf(u), u, (old, now) -> now.requests() >= old.requests() ? now : old);
  }
}

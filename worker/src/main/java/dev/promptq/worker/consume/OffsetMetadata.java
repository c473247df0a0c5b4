package dev.promptq.worker.consume;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Encodes, in a committed offset's metadata string, which offsets above the committed one are
 * already done, so that the next owner of the partition skips them (the technique of Confluent's
 * Parallel Consumer).
 *
 * <p>Format: {@code pq1:} + base64url of varints: pairs (gap, run length) of done offsets relative
 * to the committed offset, where runs of consecutive done offsets cost one pair. Done offsets are
 * usually dense, so a few hundred bytes cover thousands. The broker limits metadata to
 * {@code offset.metadata.max.bytes} (default 4096); {@link #MAX_CHARS} stays below that.
 * Stateless.
 */
final class OffsetMetadata {
  static final String PREFIX = "pq1:";
  /** Longest encoding written (the broker takes 4096 by default); done jobs beyond it wait for a later commit. */
  static final int MAX_CHARS = 3500;

  private OffsetMetadata() {}

  /** The metadata for {@code done} offsets (all {@code > base}) above the committed offset {@code base}. */
  static String encode(long base, Collection<Long> done) {
    if (done.isEmpty()) {
      return "";
    }
    NavigableSet<Long> sorted = new TreeSet<>(done);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long previousEnd = base; // first offset not yet described
    Iterator<Long> it = sorted.iterator();
    long runStart = it.next();
    long runEnd = runStart + 1;
    while (it.hasNext()) {
      long o = it.next();
      if (o == runEnd) {
        runEnd++;
        continue;
      }
      writeVarLong(out, runStart - previousEnd);
      writeVarLong(out, runEnd - runStart);
      previousEnd = runEnd;
      runStart = o;
      runEnd = o + 1;
    }
    writeVarLong(out, runStart - previousEnd);
    writeVarLong(out, runEnd - runStart);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /** The done offsets recorded in {@code metadata} for committed offset {@code base}; empty if none or foreign. */
  static Set<Long> decode(long base, String metadata) {
    Set<Long> done = new TreeSet<>();
    if (metadata == null || !metadata.startsWith(PREFIX)) {
      return done;
    }
    ByteBuffer in;
    try {
      in = ByteBuffer.wrap(Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length())));
    } catch (IllegalArgumentException e) {
      return done; // not ours after all: nothing is known done
    }
    long position = base;
    while (in.hasRemaining()) {
      long gap = readVarLong(in);
      long length = readVarLong(in);
      if (gap < 0 || length <= 0 || length > 1_000_000) {
        return new TreeSet<>();
      }
      long start = position + gap;
      for (long o = start; o < start + length; o++) {
        done.add(o);
      }
      position = start + length;
    }
    return done;
  }

  private static void writeVarLong(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long readVarLong(ByteBuffer in) {
    long v = 0;
    int shift = 0;
    while (in.hasRemaining() && shift < 64) {
      byte b = in.get();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
      shift += 7;
    }
    return -1;
  }
}

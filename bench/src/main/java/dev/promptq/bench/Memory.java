package dev.promptq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** Heap and resident memory of this JVM, sampled. */
final class Memory {
  private Memory() {}

  record Sample(long heapMb, long rssMb) {}

  record Peak(long heapMb, long rssMb, int threads) {}

  static Sample sample() {
    Runtime rt = Runtime.getRuntime();
    return new Sample((rt.totalMemory() - rt.freeMemory()) >> 20, rssKb() >> 10);
  }

  /** Resident set size from /proc (Linux); -1 elsewhere. */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** Samples every 100 ms on a daemon thread until closed; keeps the maxima. */
  static final class Sampler implements AutoCloseable {
    private final AtomicLong heap = new AtomicLong();
    private final AtomicLong rss = new AtomicLong();
    private final AtomicLong threads = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    Sampler() {
      thread = new Thread(() -> {
        while (running) {
          Sample s = sample();
          heap.accumulateAndGet(s.heapMb(), Math::max);
          rss.accumulateAndGet(s.rssMb(), Math::max);
          threads.accumulateAndGet(Thread.activeCount(), Math::max);
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-memory-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    Peak peak() {
      return new Peak(heap.get(), rss.get(), (int) threads.get());
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }
}

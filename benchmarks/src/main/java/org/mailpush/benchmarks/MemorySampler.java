package org.mailpush.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** (d) of the {@link PipelineBenchmark}: the service's RSS (from /proc) and used heap (its /metrics), every second. */
final class MemorySampler {

    private final long pid;
    private final int opsPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<long[]> samples = new ArrayList<>();
    private volatile boolean running;
    private Thread thread;

    MemorySampler(final long pid, final int opsPort) {
        this.pid = pid;
        this.opsPort = opsPort;
    }

    void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    samples.add(new long[]{rss(), heap()});
                    // A scrape is not free (about 0.5 MB of garbage): once a second, not ten times, so that
                    // the sampler does not become what it measures.
                    Thread.sleep(1_000);
                } catch (final Exception e) {
                    return;
                }
            }
        }, "memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(2_000);
        }
    }

    private long rss() throws IOException {
        for (final String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }

    private long heap() throws IOException, InterruptedException {
        long total = 0;
        for (final String l : http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
            if (l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\"")) {
                total += (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    String report() {
        if (samples.isEmpty()) {
            return "(d) no memory samples";
        }
        long maxRss = 0;
        long maxHeap = 0;
        for (final long[] s : samples) {
            maxRss = Math.max(maxRss, s[0]);
            maxHeap = Math.max(maxHeap, s[1]);
        }
        final int tenth = Math.max(1, samples.size() / 10);
        final long firstHeap = samples.subList(0, tenth).stream().mapToLong(s -> s[1]).min().orElse(0);
        final long lastHeap = samples.subList(samples.size() - tenth, samples.size()).stream()
                .mapToLong(s -> s[1]).min().orElse(0);
        return String.format(Locale.ROOT, "(d) service (-Xmx256m): RSS max %.0f MiB; heap used max %.0f MiB,"
                        + " lowest in the first tenth %.0f MiB, in the last tenth %.0f MiB (%d samples)",
                maxRss / 1048576.0, maxHeap / 1048576.0, firstHeap / 1048576.0, lastHeap / 1048576.0,
                samples.size());
    }
}

package io.raftkv.node.driver;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/**
 * The node's log output: one line per event, text or JSON, each carrying the node id and the
 * current Raft term. The term lives in a process-wide volatile (updated by the driver when it
 * changes) rather than in the MDC, because the MDC is per thread and lines come from many threads
 * (event loops, the storage writer, the apply thread).
 */
public final class NodeLogging {
    private static volatile long nodeId;
    private static volatile long term;

    private NodeLogging() {}

    /** Replaces logback's configuration with the node's console output. */
    public static void configure(long id, boolean json, String level) {
        nodeId = id;
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        NodeLayout layout = new NodeLayout(json);
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("console");
        console.setEncoder(encoder);
        console.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(console);
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        ctx.getLogger("io.vertx").setLevel(Level.WARN);
    }

    /** Called by the driver when the term changes. */
    static void setTerm(long newTerm) {
        term = newTerm;
    }

    /** Flushes and stops logging (last thing before exit). */
    public static void shutdown() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.stop();
        }
    }

    /** {@code ts level [thread] logger node=N term=T - message} or one JSON object per line. */
    static final class NodeLayout extends LayoutBase<ILoggingEvent> {
        private final boolean json;

        NodeLayout(boolean json) {
            this.json = json;
        }

        @Override
        public String doLayout(ILoggingEvent e) {
            String ts = Instant.ofEpochMilli(e.getTimeStamp()).toString();
            String error = e.getThrowableProxy() == null ? null : ThrowableProxyUtil.asString(e.getThrowableProxy());
            if (!json) {
                StringBuilder b = new StringBuilder(160)
                        .append(ts)
                        .append(' ')
                        .append(String.format("%-5s", e.getLevel()))
                        .append(" [")
                        .append(e.getThreadName())
                        .append("] ")
                        .append(shortName(e.getLoggerName()))
                        .append(" node=")
                        .append(nodeId)
                        .append(" term=")
                        .append(term)
                        .append(" - ")
                        .append(e.getFormattedMessage())
                        .append(System.lineSeparator());
                if (error != null) {
                    b.append(error).append(System.lineSeparator());
                }
                return b.toString();
            }
            StringBuilder b = new StringBuilder(200).append('{');
            field(b, "ts", ts).append(',');
            field(b, "level", e.getLevel().toString()).append(',');
            b.append("\"node\":").append(nodeId).append(',');
            b.append("\"term\":").append(term).append(',');
            field(b, "thread", e.getThreadName()).append(',');
            field(b, "logger", e.getLoggerName()).append(',');
            field(b, "msg", e.getFormattedMessage());
            if (error != null) {
                b.append(',');
                field(b, "error", error);
            }
            return b.append('}').append(System.lineSeparator()).toString();
        }

        private static String shortName(String logger) {
            int dot = logger.lastIndexOf('.');
            return dot < 0 ? logger : logger.substring(dot + 1);
        }

        private static StringBuilder field(StringBuilder b, String name, String value) {
            b.append('"').append(name).append("\":\"");
            String v = value == null ? "" : value;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"');
        }
    }
}

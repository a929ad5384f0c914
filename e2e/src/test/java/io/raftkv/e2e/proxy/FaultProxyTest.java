package io.raftkv.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultProxyTest {
    private EchoServer echo;
    private FaultProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new EchoServer();
        proxy = FaultProxy.start("test", echo.address(), 42);
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(5_000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] roundTrip(Socket s, byte[] payload) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(payload);
        out.flush();
        byte[] back = new byte[payload.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        return back;
    }

    /** True once the peer has reset or closed the connection. */
    private static boolean isDead(Socket s) {
        try {
            s.setSoTimeout(50);
            s.getOutputStream().write(1);
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void passesBytesBothWays() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "hello".getBytes())).isEqualTo("hello".getBytes());
        }
        await().untilAsserted(() -> assertThat(proxy.stats().bytesForwarded()).isEqualTo(10));
    }

    @Test
    void largeTransferUnderJitterArrivesIntactAndInOrder() throws IOException {
        proxy.setBehavior(LinkBehavior.delayed(1, 3));
        byte[] payload = new byte[1 << 20];
        new Random(7).nextBytes(payload);
        try (Socket s = connect()) {
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(payload);
                } catch (IOException ignored) {
                    // the reader below fails the test
                }
            });
            writer.start();
            byte[] back = new byte[payload.length];
            new DataInputStream(s.getInputStream()).readFully(back);
            assertThat(back).isEqualTo(payload);
        }
    }

    @Test
    void cutResetsOpenConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        try (Socket before = connect()) {
            roundTrip(before, new byte[] {1});
            proxy.setBehavior(LinkBehavior.cut());
            await().until(() -> isDead(before));
        }
        try (Socket during = connect()) {
            assertThatThrownBy(() -> roundTrip(during, new byte[] {2})).isInstanceOf(IOException.class);
        }
        assertThat(proxy.stats().refused()).isGreaterThanOrEqualTo(1);

        proxy.setBehavior(LinkBehavior.PASS);
        try (Socket after = connect()) {
            assertThat(roundTrip(after, new byte[] {3})).containsExactly(3);
        }
    }

    @Test
    void blackholeStallsBytesAndHealingDeliversThem() throws IOException {
        try (Socket s = connect()) {
            roundTrip(s, new byte[] {1});
            proxy.setBehavior(LinkBehavior.blackhole());
            s.getOutputStream().write(new byte[] {9, 8, 7});
            s.setSoTimeout(300);
            InputStream in = s.getInputStream();
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);

            proxy.setBehavior(LinkBehavior.PASS);
            s.setSoTimeout(5_000);
            byte[] back = new byte[3];
            new DataInputStream(in).readFully(back);
            assertThat(back).containsExactly(9, 8, 7);
        }
    }

    @Test
    void delayAppliesToEachDirection() throws IOException {
        proxy.setBehavior(LinkBehavior.delayed(100, 0));
        try (Socket s = connect()) {
            long start = System.nanoTime();
            roundTrip(s, new byte[] {1});
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
    }

    @Test
    void lostChunksArriveAfterTheRetransmissionDelay() throws IOException {
        proxy.setBehavior(LinkBehavior.lossy(1.0, 150));
        try (Socket s = connect()) {
            long start = System.nanoTime();
            assertThat(roundTrip(s, new byte[] {4, 5})).containsExactly(4, 5);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void resettingLinkKillsConnections() throws IOException {
        try (Socket s = connect()) {
            roundTrip(s, new byte[] {1});
            proxy.setBehavior(LinkBehavior.resetting(1.0));
            await().until(() -> isDead(s));
        }
        assertThat(proxy.stats().resets()).isGreaterThanOrEqualTo(1);
        await().untilAsserted(() -> assertThat(proxy.stats().open()).isZero());
    }

    @Test
    void closeResetsEverything() throws IOException {
        Socket s = connect();
        roundTrip(s, new byte[] {1});
        proxy.close();
        await().until(() -> isDead(s));
        s.close();
        assertThatThrownBy(this::connect).isInstanceOf(IOException.class);
    }

    @Test
    void rejectsNonsenseBehaviour() {
        assertThatThrownBy(() -> LinkBehavior.lossy(1.5, 10)).hasMessageContaining("lossShare");
        assertThatThrownBy(() -> LinkBehavior.delayed(-1, 0)).hasMessageContaining("delayMs");
        assertThatThrownBy(() -> new Link(2, 2)).hasMessageContaining("two different nodes");
    }
}

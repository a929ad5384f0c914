package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InflightsTest {
    @Test
    void fillsUpToCapacityAndRefusesMore() {
        Inflights in = new Inflights(3);
        in.add(5);
        in.add(7);
        assertThat(in.full()).isFalse();
        in.add(9);
        assertThat(in.full()).isTrue();
        assertThat(in.count()).isEqualTo(3);
        assertThatThrownBy(() -> in.add(11))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("full");
    }

    @Test
    void freeLeReleasesPrefixAndWrapsAround() {
        Inflights in = new Inflights(3);
        in.add(1);
        in.add(2);
        in.add(3);
        in.freeLE(2);
        assertThat(in.count()).isEqualTo(1);
        in.add(4);
        in.add(5); // wraps around the ring
        assertThat(in.full()).isTrue();
        in.freeLE(3);
        assertThat(in.count()).isEqualTo(2);
        in.freeLE(0);
        assertThat(in.count()).isEqualTo(2);
        in.freeLE(5);
        assertThat(in.count()).isZero();
        in.add(6);
        assertThat(in.count()).isEqualTo(1);
    }

    @Test
    void freeLeBetweenIndicesKeepsLater() {
        Inflights in = new Inflights(4);
        in.add(10);
        in.add(20);
        in.add(30);
        in.freeLE(25);
        assertThat(in.count()).isEqualTo(1);
        in.freeLE(29);
        assertThat(in.count()).isEqualTo(1);
        in.freeLE(30);
        assertThat(in.count()).isZero();
    }

    @Test
    void indicesMustIncrease() {
        Inflights in = new Inflights(4);
        in.add(10);
        assertThatThrownBy(() -> in.add(10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void resetEmpties() {
        Inflights in = new Inflights(2);
        in.add(1);
        in.add(2);
        in.reset();
        assertThat(in.count()).isZero();
        assertThat(in.full()).isFalse();
        assertThat(in.capacity()).isEqualTo(2);
        assertThatThrownBy(() -> new Inflights(0)).isInstanceOf(IllegalArgumentException.class);
    }
}

package ai.stratum.train.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LrScheduleTest {

    private final LrSchedule schedule = new LrSchedule(1e-3, 1e-4, 10, 110);

    @Test
    void warmupRisesLinearlyToThePeak() {
        assertEquals(1e-4, schedule.at(0), 1e-15);
        assertEquals(5e-4, schedule.at(4), 1e-15);
        assertEquals(1e-3, schedule.at(9), 1e-15);
    }

    @Test
    void cosineStartsAtThePeakPassesTheMidpointAndEndsAtTheFloor() {
        assertEquals(1e-3, schedule.at(10), 1e-15);
        // halfway through the decay cos(pi/2) = 0: the mean of peak and floor
        assertEquals(5.5e-4, schedule.at(60), 1e-15);
        // a quarter of the way: min + (peak - min) * (1 + cos(pi/4)) / 2
        assertEquals(1e-4 + 9e-4 * (1 + Math.sqrt(0.5)) / 2, schedule.at(35), 1e-15);
        assertEquals(1e-4, schedule.at(110), 1e-15);
        assertEquals(1e-4, schedule.at(500), 1e-15);
    }

    @Test
    void decayIsMonotoneAfterWarmup() {
        for (long s = 10; s < 110; s++) {
            if (schedule.at(s + 1) > schedule.at(s)) {
                throw new AssertionError("lr rises from step " + s + " to " + (s + 1));
            }
        }
    }

    @Test
    void noWarmupStartsAtThePeak() {
        assertEquals(2.0, new LrSchedule(2.0, 0.0, 0, 4).at(0), 0);
        assertEquals(1.0, new LrSchedule(2.0, 0.0, 0, 4).at(2), 1e-15);
    }

    @Test
    void rejectsWarmupLongerThanTheRun() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1, 0, 11, 10));
        assertEquals("warmup_steps", e.getMessage().substring(0, e.getMessage().indexOf(':')));
    }
}

# readings.awk - the example's input: 100 temperature sensors, one reading every 7.5 s each for 5 minutes.
# Prints one JSON object per line (4,000 readings, in time order, devices interleaved), e.g.
#   {"device_id":"sensor-001","reading":42.75,"ts":1700000040000}
# The values are a pure function of device and step, so the expected output is fixed:
#   reading = 40 + 2 * (device % 10)                      a per-device base temperature
#           + 0.25 * ((step * step + 3 * device) % 16)    a wobble, 0 .. 3.75
#           + minute, for every third device (1, 4, 7, ...): warming up by a degree a minute
#           + 40 for one reading of devices 7, 32, 57, 82 in minute 3 (step 29): overheating.
# Usage: awk -f readings.awk [-v devices=N -v steps=M]
BEGIN {
    if (devices == "") devices = 100
    if (steps == "") steps = 40                 # 8 readings per minute, 5 minutes
    t0 = 1700000040000                          # 2023-11-14T22:14:00Z, on a minute boundary
    for (i = 0; i < steps; i++) {
        for (d = 1; d <= devices; d++) {
            r = 40 + 2 * (d % 10) + 0.25 * ((i * i + 3 * d) % 16)
            if (d % 3 == 1) r += int(i / 8)
            if (d % 25 == 7 && i == 29) r += 40
            printf "{\"device_id\":\"sensor-%03d\",\"reading\":%s,\"ts\":%.0f}\n", d, r, t0 + i * 7500
        }
    }
}

"""CPU time from /proc: of gunicorn's process trees, of the machine's PostgreSQL and Redis, of the machine."""

import os


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def process_seconds(pid):
    """CPU time of a process and its children (gunicorn's master and workers), those that ended included: a
    worker replaced after max_requests leaves its time to the master that waited for it (cutime, cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for each in [pid, *children(pid)]:
        try:
            with open(f"/proc/{each}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            used = int(fields[11]) + int(fields[12])
            if each == pid:
                used += int(fields[13]) + int(fields[14])
            total += used / ticks
        except OSError:
            pass
    return total


def services_seconds(names=("postgres", "redis-server")):
    """CPU time of the machine's PostgreSQL and Redis processes (the backends of the run's connections
    included): {name: {pid: seconds}}."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {name: {} for name in names}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                head, tail = handle.read().rsplit(")", 1)
        except OSError:
            continue
        name = head.split("(", 1)[1]
        if name in used:
            fields = tail.split()
            used[name][int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def machine_busy_seconds():
    """CPU time the whole machine spent busy (every core), from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def reading(server_pids):
    """Seconds of CPU used so far: by the servers, by each service, by the whole machine."""
    return {
        "servers": sum(process_seconds(pid) for pid in server_pids),
        "services": services_seconds(),
        "machine": machine_busy_seconds(),
    }


def rates(before, after, seconds):
    """What was used between two readings, as fractions of one core."""
    return {
        "servers": (after["servers"] - before["servers"]) / seconds,
        # By process: a PostgreSQL backend that ended in between (a connection closed) takes its time with it,
        # which would make a sum of all go down. What such a process used in between is not counted.
        "services": {
            name: sum(used - before["services"][name].get(pid, 0.0) for pid, used in processes.items()) / seconds
            for name, processes in after["services"].items()
        },
        "machine": (after["machine"] - before["machine"]) / seconds,
    }

"""One ReqIF measurement, in its own process: `python -m bench.reqif_worker SIZE`; prints JSON.

Export of a synthetic version, then import of that file into an empty draft (read, plan, write
in one transaction). Wall-clock and CPU seconds are both given: on a shared machine the CPU
time is the work itself, the wall clock adds the wait for a core. Peak memory is the process's maximum resident size after each step."""

import json
import resource
import sys
import time

import django


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    size = int(sys.argv[1])
    django.setup()
    from bench.pdf_worker import populate

    version, user = populate(size)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from referential import services
    from referential.import_files import proposed_mapping, read_import_file
    from referential.reqif import build_reqif

    baseline = peak_mib()
    started, cpu = time.perf_counter(), time.process_time()
    data = build_reqif(version)
    export_seconds, export_cpu = time.perf_counter() - started, time.process_time() - cpu
    export_peak = peak_mib()

    draft = services.create_version(referential=version.referential, number="2.0", by=user)
    started, cpu = time.perf_counter(), time.process_time()
    document = read_import_file(SimpleUploadedFile("bench.reqif", data))
    plan = services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=user)
    import_seconds, import_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(plan.added) == size, (len(plan.added), plan.problems[:3])
    print(json.dumps({
        "size": size,
        "bytes": len(data),
        "export_seconds": export_seconds,
        "import_seconds": import_seconds,
        "export_cpu": export_cpu,
        "import_cpu": import_cpu,
        "baseline_mib": baseline,
        "export_peak_mib": export_peak,
        "import_peak_mib": peak_mib(),
    }))


if __name__ == "__main__":
    main()

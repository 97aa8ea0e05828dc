"""The coach's side: runs and their metadata, per-run numbers, differences between runs, the folder
library with its cache, and what the comparison window and the HTML report show.

    runs.py        RunMeta (metadata, checked field by field) and RunData (one analysed run)
    metrics.py     per-run numbers: the summary, timelines, rotation halves, per-minute/per-lap segments
    differences.py the compared metrics, bootstrap differences and their sentences
    comparison.py  the whole comparison (compare_runs) and the ``compare --json`` document
    library.py     loading runs through the pipeline, listing a folder, the folder's cache
    view.py        colours, table rows and series shared by the window and the report
    report.py      the self-contained HTML report
"""

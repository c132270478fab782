"""The ground floor: what every stage shares and nothing more (docs/architecture.md).

The document model and canonical records, errors, labels, the CSV data loader, the database helpers,
notes, processes, scratch folders, logs, rendering, the language and its sentences, paths and words.
It imports only itself; the stages (jixiao.extract, jixiao.normalize, jixiao.rules, jixiao.warehouse)
import it and themselves, and the top (jixiao/*.py, jixiao/desk) imports all of them.
"""

__version__ = "0.1.0"

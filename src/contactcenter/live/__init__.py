"""Live ingestion: queue_log events loaded as they happen, durably.

==================  ===========================================================
module              what it holds
==================  ===========================================================
``live.writer``     :class:`LiveStore`: the one writer of a served store; each batch
                    of lines is one load (one transaction), through the rules of
                    ``ingest``
``live.tail``       :class:`Follower`: follows growing queue_log files as ``tail -F``
                    does, its position kept in the store with the lines it read
``live.events``     events posted as JSON, turned into queue_log lines
==================  ===========================================================

A batch is loaded by :func:`contactcenter.sources.queue_log.load_block`, so live lines
are accounted for, rejected, deduplicated and turned into contacts exactly as
``contactcenter ingest --format queue_log`` does: a report after a day of live
ingestion equals a report after one ingest of the day's file. See docs/ingestion.md,
"Live ingestion".
"""

"""Provider batch jobs: ``summarizer batch ... --via batch-api`` (half the price, answers within 24 hours).

The requests of the items not stored yet are written in the provider batch format
(:mod:`.requests`: exactly the live requests, captured from the live path), uploaded to
``/v1/files`` and run as jobs at ``/v1/batches`` (:class:`summarizer.client.LLMClient`); the
store remembers the jobs (:mod:`summarizer.store.jobs`). A later run polls them, reads the
results (:mod:`.results`) and puts each answer through the live pipeline, which validates
and grounds it (:mod:`.summarizer`); what fails is asked again live or in a follow-up job.
Answers for articles the run was not given are stored all the same (:mod:`.leftovers`).
:mod:`.flow` ties it to a batch run.
"""

from summarizer.batchjobs.flow import FINISHED, Outcome, Plan, check_inputs, finish, prepare
from summarizer.batchjobs.leftovers import Leftovers, store_leftovers
from summarizer.batchjobs.requests import MAX_BYTES, MAX_REQUESTS, request_line, split_files, write_requests
from summarizer.batchjobs.results import BadResultsError, Result, parse_results
from summarizer.batchjobs.summarizer import JobSummarizer

__all__ = [
    "FINISHED",
    "MAX_BYTES",
    "MAX_REQUESTS",
    "BadResultsError",
    "JobSummarizer",
    "Leftovers",
    "Outcome",
    "Plan",
    "Result",
    "check_inputs",
    "finish",
    "parse_results",
    "prepare",
    "request_line",
    "split_files",
    "store_leftovers",
    "write_requests",
]

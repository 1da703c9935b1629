"""Named only in the intake workers' forkserver preload list (pipelines.staging.pool), first:
importing it switches the process to the compiled parser modules when a fresh build exists
(pipelines.staging.compiled), which works only before any of them is imported. Every worker
forked from that server then starts with them. Nothing else imports this module."""
from pipelines.staging.compiled import use_compiled

use_compiled()

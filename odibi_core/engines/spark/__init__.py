"""The Spark engine: frames are Spark DataFrames, SQL is Spark SQL.

Modules, one concept each:

* :mod:`.session` - the one SparkSession per process (Java check, defaults, Spark Connect);
* :mod:`.engine` - :class:`SparkEngine`, the Engine interface on Spark;
* :mod:`.types` - Spark types as the engine-neutral logical names, and type fix-ups;
* :mod:`.native_io` - csv/parquet/json through Spark's own readers and writers;
* :mod:`.staging` - handing a Spark frame to the Arrow formats (sql, delta-rs, single files);
* :mod:`.delta` - Delta Lake natively when the jars are there, through delta-rs otherwise;
* :mod:`.jdbc` - SQL sources through a JDBC driver when one is on the classpath;
* :mod:`.errors` - Spark's multi-line exceptions as one-paragraph OdibiErrors.

Nothing here is imported by the rest of odibi_core: the engine registry imports
``odibi_core.engines.spark.engine`` only when a project says ``engine: spark``, so pandas-only
installs never need pyspark or Java.
"""

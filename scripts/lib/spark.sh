# A Spark Connect server for tests and benchmarks: PyPI's pyspark[connect] package is the Spark
# distribution (its sbin/start-connect-server.sh), Java 17 from Debian. Source it from a script
# whose working directory is the project root, after setup.sh.

# Starts a Spark Connect server on 127.0.0.1:PORT with its warehouse, Hive metastore (Derby) and
# logs under DIR, and waits until it answers (at most 180 s). With TOKEN, clients must send it as
# `authorization: Bearer TOKEN` (spark.connect.authenticate.token). Extra settings come from
# $SPARK_CONNECT_TEST_CONF (KEY=VALUE words), e.g. a small result stream limit that makes clients
# reattach. Usage: start_spark_connect PYTHON PORT DIR [TOKEN]
start_spark_connect() {
  local python=$1 port=$2 dir=$3 token=${4:-}
  local settings=()
  [ -z "$token" ] || settings=(--conf "spark.connect.authenticate.token=$token")
  local setting
  for setting in ${SPARK_CONNECT_TEST_CONF:-}; do settings+=(--conf "$setting"); done
  ensure_apt_packages openjdk-17-jre-headless procps
  local spark_home
  spark_home=$("$python" -c "import pyspark, os; print(os.path.dirname(pyspark.__file__))")
  mkdir -p "$dir/logs" "$dir/warehouse"
  dir=$(cd "$dir" && pwd)
  # Python UDFs (mlflow.pyfunc.spark_udf) run in workers started with this venv's Python.
  SPARK_LOG_DIR="$dir/logs" SPARK_PID_DIR="$dir" SPARK_IDENT_STRING="plateshell-$port" SPARK_HOME="$spark_home" \
    PYSPARK_PYTHON="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")" \
    "$spark_home/sbin/start-connect-server.sh" \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf spark.connect.grpc.binding.port="$port" \
    --conf spark.sql.warehouse.dir="$dir/warehouse" \
    --conf spark.sql.catalogImplementation=hive \
    --conf "spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$dir/metastore_db;create=true" \
    --conf "spark.driver.extraJavaOptions=-Dderby.system.home=$dir" \
    --conf spark.ui.enabled=false \
    --conf spark.sql.shuffle.partitions=4 "${settings[@]}" \
    --driver-memory 4g > "$dir/start.log" 2>&1
  local waited=0
  until "$python" - "$port" <<'PY' 2>/dev/null
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
PY
  do
    sleep 1
    waited=$((waited + 1))
    if [ $waited -ge 180 ]; then
      echo "error: the Spark Connect server on port $port did not start in 180 s; see $dir/logs" >&2
      tail -20 "$dir"/logs/*.out >&2 || true
      return 1
    fi
  done
  echo "== Spark Connect server on 127.0.0.1:$port${token:+ (clients need a token)} (started in ${waited} s; logs in $dir/logs)"
}

# Stops the server that start_spark_connect started. Usage: stop_spark_connect PYTHON PORT DIR
stop_spark_connect() {
  local python=$1 port=$2 dir=$3
  local spark_home
  spark_home=$("$python" -c "import pyspark, os; print(os.path.dirname(pyspark.__file__))")
  dir=$(cd "$dir" && pwd)
  SPARK_LOG_DIR="$dir/logs" SPARK_PID_DIR="$dir" SPARK_IDENT_STRING="plateshell-$port" SPARK_HOME="$spark_home" \
    "$spark_home/sbin/stop-connect-server.sh" > /dev/null 2>&1 || true
}

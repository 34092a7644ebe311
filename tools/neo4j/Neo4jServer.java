// A real Neo4j 5 Community server for tests and for users without Docker: the embedded DBMS
// with its Bolt connector bound to 127.0.0.1 on the given port, data in the given folder, and
// a page cache of the given size (MiB, default 512).
// Prints "NEO4J_READY bolt://127.0.0.1:PORT" once it accepts connections; stops cleanly when
// standard input closes or on SIGTERM/SIGINT.
import java.nio.file.Path;
import java.time.Duration;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

public class Neo4jServer {
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: Neo4jServer DATA_DIR PORT [PAGECACHE_MB]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long pageCacheMb = args.length == 3 ? Long.parseLong(args[2]) : 512;
        SocketAddress address = new SocketAddress("127.0.0.1", port);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, address)
                .setConfig(BoltConnector.advertised_address, address)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // No backups here, so no transaction logs kept past a checkpoint: a load writes
                // about 1.4 KB of log per fact, 12 GB for the medium region.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .build();
        Thread stopper = new Thread(dbms::shutdown, "neo4j-shutdown");
        Runtime.getRuntime().addShutdownHook(stopper);
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME); // waits until it is available
        System.out.println("NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();
        while (System.in.read() != -1) {
            // keep running until the parent closes our standard input
        }
        System.exit(0); // runs the shutdown hook
    }
}

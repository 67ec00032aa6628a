package local.ckan.solr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.apache.solr.core.CoreContainer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Runs one Solr 9 node on 127.0.0.1 with the cores found under solr.solr.home.
 *
 * Exits non-zero when a core (or the one named by ckan.solr.core) did not load, because Solr itself
 * only logs a core that failed to initialise and keeps serving.
 */
public final class CkanSolr {
  private CkanSolr() {}

  public static void main(String[] args) throws Exception {
    String home = System.getProperty("solr.solr.home");
    if (home == null || !Files.isRegularFile(Path.of(home, "solr.xml"))) {
      System.err.println("solr.solr.home must point to a folder with solr.xml, got: " + home);
      System.exit(2);
    }
    int port = Integer.parseInt(System.getProperty("jetty.port", "8983"));
    // Cores are found under the home, or added later through CoreAdmin CREATE.
    String core = System.getProperty("ckan.solr.core", "");

    JettyConfig config = JettyConfig.builder()
        .setPort(port)
        .stopAtShutdown(false)
        .withPortRetryTime(0)
        .waitForLoadingCoresToFinish(120_000L)
        .build();
    JettySolrRunner jetty = new JettySolrRunner(home, config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        jetty.stop();
      } catch (Exception e) {
        System.err.println("Solr stop failed: " + e);
      }
    }));
    jetty.start();

    CoreContainer container = jetty.getCoreContainer();
    if (container == null) {
      System.err.println("Solr did not start a core container; see solr.log");
      System.exit(3);
    }
    if (!container.getCoreInitFailures().isEmpty()
        || (!core.isEmpty() && !container.getLoadedCoreNames().contains(core))) {
      container.getCoreInitFailures().forEach((name, failure) ->
          System.err.println("core " + name + " failed: " + failure.exception));
      System.err.println("core '" + core + "' is not loaded");
      System.exit(3);
    }
    System.out.println("SOLR_READY http://127.0.0.1:" + jetty.getLocalPort() + "/solr "
        + container.getLoadedCoreNames());
    new CountDownLatch(1).await();
  }
}

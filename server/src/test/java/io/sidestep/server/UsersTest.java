package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.testing.TestOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Users are stored hashed, validated, and picked up by a running relay without a restart. */
@Timeout(60)
class UsersTest {

  @TempDir static Path state;
  static Relay relay;
  static TestOrigin http;
  static Destination where;

  @BeforeAll
  static void start() {
    http = TestOrigin.http();
    relay = TestRelays.reachingLoopback(state).usersPollInterval(Duration.ofMillis(100)).start();
    where = Destination.of("127.0.0.1", relay.address().getPort());
  }

  @AfterAll
  static void stop() {
    relay.close();
    http.close();
  }

  static int connectStatus(AccessKey key) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(RelayClient.connectRequest(http.port(), key)).status();
    }
  }

  /** Polls (bounded) until the relay answers {@code status}; returns the last answer. */
  static int awaitStatus(AccessKey key, int status) throws Exception {
    int last = -1;
    for (int i = 0; i < 100 && last != status; i++) {
      last = connectStatus(key);
      if (last != status) {
        Thread.sleep(100);
      }
    }
    return last;
  }

  @Test
  void usersAddedAndRemovedByAnotherWriterTakeEffectWithoutRestart() throws Exception {
    Users users = Users.in(state); // as `users add` in another process would
    AccessKey carol = users.add("carol", where);
    assertThat(awaitStatus(carol, 200)).as("carol works once the relay noticed").isEqualTo(200);
    assertThat(users.remove("carol")).isTrue();
    assertThat(awaitStatus(carol, 400)).as("carol is a stranger again").isEqualTo(400);
    AccessKey carol2 = users.add("carol", where);
    assertThat(awaitStatus(carol2, 200)).isEqualTo(200);
    assertThat(connectStatus(carol)).as("the old token stays dead").isEqualTo(400);
  }

  @Test
  void aCorruptUsersFileKeepsTheOldUsers() throws Exception {
    AccessKey dave = relay.addUser("dave");
    assertThat(connectStatus(dave)).isEqualTo(200);
    Path file = Users.in(state).file();
    String good = Files.readString(file);
    try {
      // Written whole (as an editor saves), so that the relay's poll never sees it half-written.
      Path broken = file.resolveSibling("users.broken");
      Files.writeString(broken, good + "this line is broken\n");
      Files.move(broken, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      relay.reloadUsers(); // the broken file is seen now, not at the next poll
      assertThat(connectStatus(dave)).as("previous users stay in force").isEqualTo(200);
    } finally {
      Files.writeString(file, good);
    }
  }

  @Test
  void tokensAreStoredOnlyAsHashesInAPrivateFile() throws Exception {
    AccessKey erin = relay.addUser("erin");
    Path file = Users.in(state).file();
    String content = Files.readString(file);
    assertThat(content).contains("erin sha256:").doesNotContain(erin.token());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(erin.token()).matches("[A-Za-z0-9_-]{43}");
    assertThat(erin.toString()).doesNotContain(erin.token());
  }

  @Test
  void namesAreValidatedAndUnique() {
    Users users = Users.in(state);
    users.add("frank", where);
    assertThatThrownBy(() -> users.add("frank", where))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user 'frank' already exists");
    for (String bad : new String[] {"", "-x", "a b", "a:b", "ünï", "x".repeat(65), "a/b"}) {
      assertThatThrownBy(() -> users.add(bad, where))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("user name");
    }
    assertThat(users.remove("nobody-like-this")).isFalse();
    assertThat(users.list()).extracting(Users.User::name).contains("frank");
  }
}

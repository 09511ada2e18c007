package io.sidestep.server.cli;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.route.Destination;
import io.sidestep.server.Relay;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Option types and converters shared by the relay's commands. */
final class Options {
  private Options() {}

  /** {@code --state DIR}, shared by every command. */
  static final class State {
    @Option(
        names = "--state",
        paramLabel = "DIR",
        description =
            "State directory: the relay's key and certificate (relay-key.pem, relay-cert.pem) "
                + "and its users file. Created (mode 700) if missing. Default: ~/.sidestep-relay.")
    Path dir = Relay.Builder.defaultStateDir();
  }

  /** {@code HOST:PORT} or {@code [IPv6]:PORT} to listen on; port 0 picks a free port. */
  static final class ListenConverter implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      String expected = " (expected: HOST:PORT or [IPv6]:PORT, port 0-65535)";
      String v = value.trim();
      int colon = v.lastIndexOf(':');
      if (colon <= 0 || colon == v.length() - 1) {
        throw new TypeConversionException("'" + value + "'" + expected);
      }
      String host = v.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      } else if (host.indexOf(':') >= 0) {
        throw new TypeConversionException("'" + value + "'" + expected);
      }
      int port;
      try {
        port = Integer.parseInt(v.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "'" + expected);
      }
      if (port < 0 || port > 65535 || host.isEmpty()) {
        throw new TypeConversionException("'" + value + "'" + expected);
      }
      return new InetSocketAddress(host, port);
    }
  }

  /** {@code HOST:PORT} clients use to reach the relay; the port defaults to 443. */
  static final class AddressConverter implements ITypeConverter<Destination> {
    @Override
    public Destination convert(String value) {
      try {
        return Destination.parse(value, 443);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage() + " (expected: HOST:PORT)");
      }
    }
  }

  static final class CidrConverter implements ITypeConverter<Cidr> {
    @Override
    public Cidr convert(String value) {
      try {
        return Cidr.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}

package io.sidestep.core.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * A response to a {@link DnsQuery}: its rcode and the address records of its answer section
 * (records of other types, such as the CNAMEs on the way, are not kept).
 */
public record DnsResponse(DnsQuery question, int rcode, List<DnsAnswer> answers) {

  public DnsResponse {
    if (rcode < 0 || rcode > 15) {
      throw new IllegalArgumentException("DNS rcode: " + rcode + " (expected: 0-15)");
    }
    answers = List.copyOf(answers);
  }

  /** A NOERROR answer giving {@code addresses} with {@code ttl}, echoing the query's id. */
  public static DnsResponse answer(DnsQuery query, List<InetAddress> addresses, long ttl) {
    return new DnsResponse(
        query,
        DnsRcode.NOERROR,
        addresses.stream().map(a -> new DnsAnswer(query.name(), ttl, a)).toList());
  }

  /** A response with no answers and the given rcode (NXDOMAIN, SERVFAIL, ...). */
  public static DnsResponse error(DnsQuery query, int rcode) {
    return new DnsResponse(query, rcode, List.of());
  }

  public int id() {
    return question.id();
  }

  /** The addresses of the answer section, in order. */
  public List<InetAddress> addresses() {
    return answers.stream().map(DnsAnswer::address).toList();
  }

  /** The smallest TTL among the answers, or {@code fallback} when there are none. */
  public long minTtl(long fallback) {
    return answers.stream().mapToLong(DnsAnswer::ttl).min().orElse(fallback);
  }

  @Override
  public String toString() {
    return question + " " + DnsRcode.name(rcode) + " " + addresses();
  }
}

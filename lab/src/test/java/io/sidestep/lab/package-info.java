/**
 * The censorship lab: a small censored network built at run time from Linux network namespaces (a
 * user host, a censoring ISP router, an outside world of origin servers and an honest resolver, and
 * two relay hosts), and JUnit scenarios that drive the packaged client and relay jars through it
 * with curl and headless Chromium, checking what arrived, by which path, what the client learned
 * and what the ISP's resolver saw. {@link io.sidestep.lab.LabExtension} builds the network once per
 * test run and removes it afterwards; {@link io.sidestep.lab.LabSelfTest} proves each censorship
 * technique with plain curl before {@link io.sidestep.lab.LabScenarioTest} runs.
 */
package io.sidestep.lab;

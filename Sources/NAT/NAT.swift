// NAT module: placeholder until its issue lands.

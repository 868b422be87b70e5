// Packet module: placeholder until its issue lands.

// Config module: placeholder until its issue lands.

/** Thrown when the adoption's input is not what it can take over; nothing has been written. */
export class AdoptError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AdoptError";
    }
}
